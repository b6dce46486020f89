"""``python -m transferkit.mirror``: the classroom mirror (:mod:`transferkit.course.mirror`), without TensorFlow."""

import sys

from .course.mirror import main

if __name__ == "__main__":
    sys.exit(main())
