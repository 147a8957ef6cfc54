"""The taxonomy classifier: a spaCy pipeline that tags bill sections with evidence."""
