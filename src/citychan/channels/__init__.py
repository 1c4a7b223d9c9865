"""Channel clients: the plugin contract (base), the registry of types (registry), the shared
HTTP error mapping (http) and one module per service."""
