"""The HTTP API (django-ninja): versioned under /api/v1/, OpenAPI served by the product."""
