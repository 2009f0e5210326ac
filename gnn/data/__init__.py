"""Plain-data side of the GNN: the graph as arrays, node features, edge splits."""
