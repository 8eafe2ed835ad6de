"""The board pack: `content.gather` reads everything once; `layout.build_layout` turns it into one
format-free document (`layout_blocks`); `render.render_pack` writes it as a PDF (`pdf`, with `pdf_stamp`
placing Chromium's vector charts) or a PowerPoint deck (`pptx`, drawing with `pptx_shapes`), both
drawing their charts through `charts`."""
