"""Transform: how the DCC turns each Service Request into the GBCS Command a Device obeys.

``registry`` holds the contract (what a transform is given, what it returns, how it
refuses) and the table of which transform serves which Service Reference Variant on which
device type. Family modules (``reads``, ``tariffs``, ...) register the transforms; importing
``opendcc.transform.catalogue`` loads them all.
"""
