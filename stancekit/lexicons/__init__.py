"""Data files: the speech-verb lexicon and the gazetteer of actors."""
