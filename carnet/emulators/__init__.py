"""Local stand-ins for the services Carnet talks to, so tests and the demo run without them."""
