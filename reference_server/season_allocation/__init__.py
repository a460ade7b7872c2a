"""The season-allocation class: seasons, weekly-time applications and their allocation."""
