"""Tells drf-spectacular how the API authenticates, so the schema documents the Bearer token."""
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal API token from your settings page."}


ERROR_RESPONSES = {
    "400": ("Invalid input: each field names its problems.", "ValidationError"),
    "401": ("No valid token or session.", "Error"),
    "403": ("Not allowed (e.g. a read-only token writing, or not an editor).", "Error"),
    "404": ("Not found, or not yours to see.", "Error"),
    "429": ("Too many requests; see Retry-After.", "Error"),
}


def document_errors(result, generator, request, public):
    """Add the error format to the schema: `{"detail": "..."}`, or `{"field": ["..."]}` for invalid input."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object", "required": ["detail"],
        "properties": {"detail": {"type": "string"}},
    }
    schemas["ValidationError"] = {
        "type": "object",
        "additionalProperties": {"oneOf": [{"type": "array", "items": {"type": "string"}},
                                           {"type": "object"}, {"type": "string"}]},
    }
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code, (description, name) in ERROR_RESPONSES.items():
                responses.setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
                })
            for code in ("412", "428"):
                if code in responses:
                    responses[code]["content"] = {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return result
