"""What the bundled app runs first (PyInstaller makes this file ``__main__``)."""

import sys

from gui.app import main

if __name__ == "__main__":
    sys.exit(main())
