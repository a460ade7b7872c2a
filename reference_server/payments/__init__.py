"""The payments class: payments of bookings, refunds, and the settlement export."""
