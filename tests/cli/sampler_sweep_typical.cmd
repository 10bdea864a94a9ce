$LS sweep samples/demo.json -n 20 --typical-p 0.3,0.9,1 --json | grep -E "\"(varied|typical_p|mode)\""
