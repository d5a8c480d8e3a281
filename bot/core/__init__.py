"""The platform-neutral core: types, command registry, router, conversations, delivery.

It imports no cog and no adapter; both plug into it through the types defined here.
"""
