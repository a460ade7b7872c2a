"""The access class: door codes for confirmed bookings and their verification by lock systems."""
