"""HTTP views: public pages, forms, audio files, and the one error handler."""
