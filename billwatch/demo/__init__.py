"""`make demo`: the main job on the embedded sample sources, with no keys and no internet."""
