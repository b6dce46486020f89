"""Models: ImageNet backbones (preprocessing inside), ImageNet class names, heads, freeze/unfreeze, a scratch CNN."""
