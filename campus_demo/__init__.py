"""The README's main job, `./dev.sh demo`: sandbox → source (PyAirbyte) → sample export →
destination, twice, with the passback report. `cli.py` reads the options, `job.py` runs the steps."""
