import sys

from squadron.cli import main

sys.exit(main())
