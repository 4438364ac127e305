import json, os
ref = json.load(open('/tmp/m21_songs.json'))
notes = open('../shared/reference/recipe_notes.txt').read().split('\n')
if notes[-1] == '': notes = notes[:-1]
print('recipe tokens', len(notes), 'distinct', len(set(notes)))
def find(run):
    n=len(run)
    if n==0: return -1
    for i in range(len(notes)-n+1):
        if notes[i]==run[0] and notes[i:i+n]==run: return i
    return -1
found=[]; allv=set(); fv=set()
for path in sorted(ref):
    toks=ref[path]
    if isinstance(toks, dict): print('ERR', path, toks); continue
    allv|=set(toks)
    pos=find(toks)
    name=os.path.basename(path)
    if pos>=0: found.append((pos,name,len(toks))); fv|=set(toks)
    else:
        # longest prefix found
        lo=0
        for k in (1000,300,100,30,10):
            if len(toks)>=k and find(toks[:k])>=0: lo=k; break
        print('NOTFOUND', name, len(toks), 'prefix found len', lo)
found.sort()
print('found', len(found), 'vocab all', len(allv), 'vocab found', len(fv))
cov=sum(n for _,_,n in found); print('covered tokens', cov)
prev=0
for pos,name,n in found:
    print(pos, pos+n, name, 'gap' if pos!=prev else '')
    prev=pos+n
