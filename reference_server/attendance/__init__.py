"""The attendance class: attendance reports (JSON and DAK 2.2) and their statistics."""
