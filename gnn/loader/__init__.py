"""Neighbour sampling on a CSR adjacency (no pyg-lib / torch-sparse needed)."""
