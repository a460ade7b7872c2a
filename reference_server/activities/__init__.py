"""The activities class: activities with places, registration and the waiting list."""
