"""One module per department: each exposes `build(ctx) -> list[Delivery]`."""
