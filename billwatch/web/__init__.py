"""The workbench: a Starlette web app and read API on the billwatch database."""
