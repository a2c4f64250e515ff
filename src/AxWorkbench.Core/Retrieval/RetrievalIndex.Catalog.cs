using System.Globalization;
using AxWorkbench.Core.Markings;
using Lucene.Net.Documents;
using Lucene.Net.Index;

namespace AxWorkbench.Core.Retrieval;

/// <summary>The catalog of chunks (markings, documents, libraries, vectors) and its Lucene writer: add, replace, relabel and remove documents.</summary>
public sealed partial class RetrievalIndex
{
    /// <summary>Adds (or replaces) one document's chunks and records the libraries it belongs to.</summary>
    public void AddDocument(Guid documentId, IReadOnlyCollection<Guid> libraries, IReadOnlyList<StoredChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(documentId);
            foreach (var chunk in chunks)
            {
                if (chunk.Chunk.DocumentId != documentId)
                {
                    throw new ArgumentException($"Chunk {chunk.Chunk.ChunkId} belongs to document {chunk.Chunk.DocumentId}, not {documentId}.", nameof(chunks));
                }

                AddToCatalog(chunk with { Libraries = libraries });
                _writer.AddDocument(ToLucene(chunk.Chunk));
            }

            SetLibrariesLocked(documentId, libraries);
            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds many documents' chunks at once (bulk load; one commit).</summary>
    public void AddMany(IEnumerable<StoredChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        _lock.EnterWriteLock();
        try
        {
            foreach (var chunk in chunks)
            {
                AddToCatalog(chunk);
                _writer.AddDocument(ToLucene(chunk.Chunk));
            }

            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Gives indexed chunks their vectors (the embedding worker, after a document was added for BM25 first). Chunks no
    /// longer live (the document was replaced or removed meanwhile) and chunks in a language the embedder does not read
    /// are skipped. Lucene is untouched: it holds no vectors.
    /// </summary>
    public void SetVectors(IReadOnlyDictionary<long, float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (Embedder is null)
        {
            return;
        }

        _lock.EnterWriteLock();
        try
        {
            SetVectorsLocked(vectors);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>
    /// Brings one document to the database's state (another node changed it): no chunks means removed; the same live
    /// chunks means only its libraries and vectors are refreshed; other chunks (a new version) replace the old ones.
    /// Idempotent, so a change applied twice does no harm.
    /// </summary>
    public void SyncDocument(Guid documentId, IReadOnlyCollection<Guid> libraries, IReadOnlyList<StoredChunk> chunks)
    {
        ArgumentNullException.ThrowIfNull(libraries);
        ArgumentNullException.ThrowIfNull(chunks);
        _lock.EnterWriteLock();
        try
        {
            var live = _documentIds.TryGetValue(documentId, out var documentIndex)
                ? _documents[documentIndex].Ordinals.Where(o => _live[o]).Select(o => _chunkIds[o]).ToHashSet()
                : [];
            if (chunks.Count > 0 && live.SetEquals(chunks.Select(c => c.Chunk.ChunkId)))
            {
                SetLibrariesLocked(documentId, libraries);
                if (Embedder is not null)
                {
                    SetVectorsLocked(chunks.Where(c => c.Vector is not null).ToDictionary(c => c.Chunk.ChunkId, c => c.Vector!));
                }

                return;
            }

            RemoveLocked(documentId);
            foreach (var chunk in chunks.Where(c => !_ordinals.ContainsKey(c.Chunk.ChunkId)))
            {
                AddToCatalog(chunk with { Libraries = libraries });
                _writer.AddDocument(ToLucene(chunk.Chunk));
            }

            SetLibrariesLocked(documentId, libraries);
            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void SetVectorsLocked(IReadOnlyDictionary<long, float[]> vectors)
    {
        foreach (var (chunkId, vector) in vectors)
        {
            if (!_ordinals.TryGetValue(chunkId, out var ordinal) || !_entries[ordinal].Live || !Embedder!.Reads(_entries[ordinal].Chunk.Language))
            {
                continue;
            }

            if (vector.Length != Embedder.Dimensions)
            {
                throw new ArgumentException($"Chunk {chunkId} has a {vector.Length}-d vector; the embedder '{Embedder.Id}' makes {Embedder.Dimensions}-d vectors.", nameof(vectors));
            }

            StoreVectorLocked(ordinal, vector.AsSpan());
            _hasVector[ordinal] = true;
            _entries[ordinal] = _entries[ordinal] with { HasVector = true };
        }

        _scopeCache.Clear();
    }

    public void SetLibraries(Guid documentId, IReadOnlyCollection<Guid> libraries)
    {
        _lock.EnterWriteLock();
        try
        {
            SetLibrariesLocked(documentId, libraries);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public void RemoveDocument(Guid documentId)
    {
        _lock.EnterWriteLock();
        try
        {
            RemoveLocked(documentId);
            CommitLocked();
            _searchers.MaybeRefreshBlocking();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    private void AddToCatalog(StoredChunk stored)
    {
        var chunk = stored.Chunk;
        if (_ordinals.ContainsKey(chunk.ChunkId))
        {
            throw new InvalidOperationException($"Chunk {chunk.ChunkId} is already indexed; chunk ids are never reused.");
        }

        if (!_markingIds.TryGetValue(chunk.Marking, out var markingId))
        {
            markingId = _markings.Count;
            _markings.Add(chunk.Marking);
            _markingIds.Add(chunk.Marking, markingId);
        }

        if (!_documentIds.TryGetValue(chunk.DocumentId, out var documentIndex))
        {
            documentIndex = _documents.Count;
            _documents.Add(new DocumentEntry(LibraryIndexes(stored.Libraries), []));
            _documentIds.Add(chunk.DocumentId, documentIndex);
        }

        var ordinal = _entries.Count;
        var hasVector = false;
        if (Embedder is not null && stored.Vector is { } vector && Embedder.Reads(chunk.Language))
        {
            if (vector.Length != Embedder.Dimensions)
            {
                throw new ArgumentException($"Chunk {chunk.ChunkId} has a {vector.Length}-d vector; the embedder '{Embedder.Id}' makes {Embedder.Dimensions}-d vectors. Re-index.", nameof(stored));
            }

            StoreVectorLocked(ordinal, vector);
            hasVector = true;
        }

        var tokens = stored.Tokens ?? _analyzer.Analyze(chunk.Text).Count;
        _entries.Add(new Entry(chunk, markingId, documentIndex, tokens, hasVector) { Live = true });
        _markingOf.Add(markingId);
        _documentOf.Add(documentIndex);
        _live.Add(true);
        _hasVector.Add(hasVector);
        _chunkIds.Add(chunk.ChunkId);
        _ordinals.Add(chunk.ChunkId, ordinal);
        _documents[documentIndex].Ordinals.Add(ordinal);
        _liveCount++;
        _stampSum = unchecked(_stampSum + (chunk.ChunkId * 2654435761L));
    }

    private void RemoveLocked(Guid documentId)
    {
        if (!_documentIds.TryGetValue(documentId, out var documentIndex))
        {
            return;
        }

        foreach (var ordinal in _documents[documentIndex].Ordinals)
        {
            var entry = _entries[ordinal];
            if (entry.Live)
            {
                entry.Live = false;
                _live[ordinal] = false;
                _liveCount--;
                _stampSum = unchecked(_stampSum - (entry.Chunk.ChunkId * 2654435761L));
            }
        }

        _documents[documentIndex].Ordinals.Clear();
        _writer.DeleteDocuments(new Term(DocumentField, documentId.ToString("N")));
    }

    private void SetLibrariesLocked(Guid documentId, IReadOnlyCollection<Guid> libraries)
    {
        _scopeCache.Clear();
        if (_documentIds.TryGetValue(documentId, out var documentIndex))
        {
            _documents[documentIndex] = _documents[documentIndex] with { Libraries = LibraryIndexes(libraries) };
        }
    }

    private int[] LibraryIndexes(IEnumerable<Guid> libraries) =>
        [.. libraries.Distinct().Select(id =>
        {
            if (!_libraryIds.TryGetValue(id, out var index))
            {
                index = _libraries.Count;
                _libraries.Add(id);
                _libraryIds.Add(id, index);
            }

            return index;
        })];

    private string Stamp() => string.Create(CultureInfo.InvariantCulture, $"{_liveCount}:{_stampSum}:{Embedder?.Id}");

    private void CommitLocked()
    {
        _scopeCache.Clear();
        _writer.SetCommitData(new Dictionary<string, string> { [StampKey] = Stamp() });
        _writer.Commit();
    }

    private static Document ToLucene(IndexedChunk chunk) =>
    [
        new NumericDocValuesField(IdField, chunk.ChunkId),
        new StringField(DocumentField, chunk.DocumentId.ToString("N"), Field.Store.NO),
        new TextField(TextField, chunk.Text, Field.Store.NO),
    ];
}
