"""Steering a network: objectives, ideal images (what a class looks like to it), adversarial images."""
