"""The Smart Energy Code as code: each rule a small typed function citing its clause."""
