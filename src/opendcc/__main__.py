from opendcc.cli import main

main()
