package redact

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"sort"
)

// The pages behind a secret link: a form that asks for the code or token, and the secret, shown once. They load
// nothing from elsewhere, and the only script moves a code from the link's fragment into the form (fragments are
// never sent to the server, so the code stays out of proxy and access logs).
var linkPages = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>{{.Title}}</title>
<style nonce="{{.Nonce}}">body{font:16px system-ui,sans-serif;max-width:40em;margin:3em auto;padding:0 1em}
input{font:inherit;width:100%;padding:.4em;box-sizing:border-box}button{font:inherit;margin-top:1em;padding:.4em 1em}
pre{background:#f4f4f4;padding:1em;white-space:pre-wrap;word-break:break-all}.warn{color:#a00}</style></head>
<body><h1>{{.Title}}</h1>
{{if .Unlock}}<p>This one-time link holds a secret from elastic-access-mcp. Enter the code that came with your link
(printed on the server's console) or the server's bearer token. The secret is shown once; after that the link stops
working.</p>
{{if .Problem}}<p class="warn">{{.Problem}}</p>{{end}}
<form method="post" action="{{.Action}}" autocomplete="off">
<label for="code">Code or token</label>
<input id="code" name="code" type="password" required autofocus>
<button type="submit">Show the secret once</button></form>
<p>From a shell: <code>curl -sS --data-urlencode code=CODE {{.Link}}</code> or
<code>curl -sS -H "Authorization: Bearer $MCP_HTTP_TOKEN" {{.Link}}</code></p>
<script nonce="{{.Nonce}}">(function(){var m=location.hash.match(/code=([A-Za-z0-9]+)/);
if(m){document.getElementById("code").value=m[1];history.replaceState(null,"",location.pathname);}})();</script>
{{else if .Label}}<p>{{.Label}}:</p><pre>{{.Secret}}</pre>
{{if .Fields}}<ul>{{range .Fields}}<li>{{index . 0}}: {{index . 1}}</li>{{end}}</ul>{{end}}
<p class="warn">{{.Note}}</p>
{{else}}<p>{{.Note}}</p>{{end}}
</body></html>
`))

type linkPage struct {
	Title, Nonce, Action, Link, Problem string
	Unlock                              bool
	Label, Secret, Note                 string
	Fields                              [][2]string
}

func unlockPage(base, id, problem string) linkPage {
	return linkPage{Title: "Open a one-time secret", Unlock: true, Action: base + "/secrets/" + id, Link: base + "/secrets/" + id, Problem: problem}
}

func secretPage(s Secret, note string) linkPage {
	p := linkPage{Title: "Your secret", Label: labelOr(s.Label, "Secret"), Secret: s.Value, Note: note}
	for k, v := range s.Fields {
		p.Fields = append(p.Fields, [2]string{k, v})
	}
	sort.Slice(p.Fields, func(i, j int) bool { return p.Fields[i][0] < p.Fields[j][0] })
	return p
}

func gonePage(msg string) linkPage { return linkPage{Title: "Link not available", Note: msg} }

// writePage renders p with a per-response nonce that the Content-Security-Policy allows, and nothing else.
func writePage(w http.ResponseWriter, status int, p linkPage) {
	var raw [16]byte
	rand.Read(raw[:])
	p.Nonce = base64.StdEncoding.EncodeToString(raw[:])
	var buf bytes.Buffer
	if err := linkPages.Execute(&buf, p); err != nil { // fixed template, plain strings
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+p.Nonce+"'; style-src 'nonce-"+p.Nonce+
		"'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}
