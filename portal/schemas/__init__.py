"""The JSON bodies of the API, declared once as msgspec Structs, one module per area.

Validation (``portal.apispec.read_body``) and the OpenAPI document (``portal.openapi``) both
come from these declarations."""
