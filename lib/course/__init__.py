"""The course around the library: lab checks, self-check quizzes, Colab uploads, the classroom mirror.

Imports no TensorFlow at import time (the lab's checks import what they test when they run)."""
