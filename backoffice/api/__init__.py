"""The JSON API under ``/api/v1``: a thin door onto the worlds service, the clock and the
operation catalogue, with bearer-token auth and an OpenAPI 3.1 document generated from the
catalogue's argument models."""
