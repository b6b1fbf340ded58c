// Wrapper module: loadgen's own pod sandbox ("pause") program, packed into the
// real node's sandbox image by runtime/image/ (no image is pulled from outside).
module loadgen.local/controlplane/pause

go 1.26.0
