"""Datasets: the registry, downloads and local copies, image checks, ``ImageSet`` and its tf.data pipeline,
your own folders, Oxford-IIIT Pet, scikit-learn's digits, the demo photos. Imports no TensorFlow."""
