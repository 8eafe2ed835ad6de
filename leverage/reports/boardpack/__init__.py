"""The board pack: `content.gather` reads everything once; `render.render_pack` writes a PDF (`pdf`) or
a PowerPoint deck (`pptx`) of it."""
