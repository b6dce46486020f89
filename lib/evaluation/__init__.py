"""Evaluation: predictions on a dataset or one photo, metrics and the plots that show them."""
