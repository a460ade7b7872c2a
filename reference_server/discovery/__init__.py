"""The discovery class: facilities, units, organisations, the activity-type taxonomy, and search."""
