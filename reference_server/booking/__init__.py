"""The booking class: availability, bookings with holds and approval, and booking terms."""
