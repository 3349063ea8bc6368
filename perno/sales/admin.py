# Pipelines and stages are managed on Settings → Pipelines (through the services), not here.
