"""The course around the library: lab checks, self-check quizzes, Colab uploads, the classroom mirror.

``quiz``, ``upload`` and ``mirror`` import no TensorFlow; the lab's exercises (``exercises``) test
Keras models, so ``lab`` loads what they test."""
