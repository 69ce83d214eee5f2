"""`make bench`: how fast the preview, the program, the packs and the tests are; how they scale."""
