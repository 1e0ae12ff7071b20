#!/usr/bin/env python
from fazhan.cli import main

if __name__ == "__main__":
    main()
