"""The GraphSAGE encoder and the link decoders."""
