"""Click commands that live beside ``espctl.cli`` (same layer: parse, call api, render)."""
