"""WhiteNoise, able to run in an async middleware chain.

WhiteNoise 6.12's middleware is sync-only. Under ASGI, Django runs a sync-only middleware in a
thread and the middleware below it back on the event loop, so every request, static or not,
hopped threads twice more than its view needs. This one looks a path up on the event loop (a
dict lookup unless files are found on the fly under DEBUG) and only serves a file in a thread.
The file is then read in threads too, as an async iterator: handed WhiteNoise's synchronous
one, Django's ASGI handler warns on every static file that it must consume it in one go.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


async def read_in_threads(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    """A file response's blocks, each read in a thread, for Django's ASGI handler to stream."""
    iterator = iter(chunks)
    read_next = sync_to_async(next, thread_sensitive=False)
    while (chunk := await read_next(iterator, None)) is not None:
        yield chunk


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response=None, settings=None) -> None:
        if settings is None:
            super().__init__(get_response)
        else:
            super().__init__(get_response, settings=settings)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if self.autorefresh:
            static_file = await sync_to_async(self.find_file)(request.path_info)
        else:
            static_file = self.files.get(request.path_info)
        if static_file is not None:
            # Opening and stat-ing the file blocks: in a thread.
            response = await sync_to_async(self.serve)(static_file, request)
            if response.streaming and not response.is_async:
                # The file stays open until the response is closed, as FileResponse arranged.
                response.streaming_content = read_in_threads(response.streaming_content)
            return response
        return await self.get_response(request)
