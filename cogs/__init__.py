"""Feature modules. Each declares commands and actions on the core registry and keeps its
domain rules in a service that takes ids and plain values, never a platform object."""
