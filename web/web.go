package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"strings"
)

//go:embed templates static
var files embed.FS

// Pages are the page templates; each is parsed together with layout.html
// and the shared partials (targetfields.html: the target fields of the
// sign-in and new-session forms).
var pages = []string{"login", "second", "portal", "denied", "error", "console"}

// Renderer renders the gateway pages by name (gateway.PageLogin, …).
type Renderer struct {
	t map[string]*template.Template
}

// NewRenderer parses every page template with the layout.
func NewRenderer() (*Renderer, error) {
	r := &Renderer{t: map[string]*template.Template{}}
	for _, p := range pages {
		t, err := template.New("layout.html").ParseFS(files, "templates/layout.html", "templates/targetfields.html", "templates/"+p+".html")
		if err != nil {
			return nil, fmt.Errorf("parse template %q: %w", p, err)
		}
		r.t[p] = t
	}
	return r, nil
}

// Render executes page with data into a buffer and writes it to w in one go,
// so that a template error never leaves half a page.
func (r *Renderer) Render(w io.Writer, page string, data any) error {
	t, ok := r.t[page]
	if !ok {
		return fmt.Errorf("render %q: no such page", page)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return fmt.Errorf("render %q: %w", page, err)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Static serves the embedded static directory under /static/.
func Static() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	fsrv := http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r) // no directory listings: assets are named by the pages
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		fsrv.ServeHTTP(w, r)
	})
}
