"""``python -m policyqa``: the same command line as the ``policyqa`` script."""
import sys

from policyqa.assistant.cli import main

sys.exit(main())
