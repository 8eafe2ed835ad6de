"""reports/boardpack."""
