"""The browser app (`devoops serve`): a thin ASGI shell over the same store and library as the
CLI. Its dependencies are the `devoops[web]` extra, imported only when the app is built; the
CLI starts it by name (`devoops.web.app:from_environment`), never importing it."""
