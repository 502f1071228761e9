"""After the reply: stage moves and the board, deals and deliverables, posts, tracked links,
orders and the KPIs built from them."""
