"""Training: compiling, the fit recipes (head, then fine-tune), cached features, learning curves."""
