"""Worker processes that run a build's independent jobs beside each other."""
